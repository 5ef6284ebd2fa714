// Keeps secrets out of logs and release records: values of secret-looking variables and the
// password part of URLs are replaced before a line is printed or stored.

const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|AUTH|DSN|DATABASE_URL|_URL$|_URI$)/i;
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s]+)(@)/gi;
export const REDACTED = "***";

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export type Redactor = (line: string) => string;

/** A redactor for the values of secret-looking variables in `env` (values of 4+ characters). */
export function createRedactor(env: NodeJS.ProcessEnv | Record<string, string | undefined>): Redactor {
  const secrets = Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && typeof value === "string" && value.length >= 4)
    .map(([, value]) => value as string)
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out.replace(URL_PASSWORD, `$1${REDACTED}$3`);
  };
}
