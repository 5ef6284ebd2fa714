// Keeps secrets out of logs and release records: values of secret-looking variables (each line
// of a multi-line one), the password part of URLs, and in the command text also secret-named
// assignments and flags are replaced before anything is printed or stored. Linear in the line's
// length: an 80,000-character line must not starve the heartbeat.

export const REDACTED = "***";
/** Shorter values are not masked: masking "on" or "1" everywhere would garble the output. */
export const MIN_SECRET_LENGTH = 4;
/** A URL's `user:password` part longer than this is not taken for one (bounds the work per `://`). */
const MAX_USERINFO = 1024;

/** Parts of a name that mark it secret wherever they occur (`MYSQLPASSWORD`, `GITHUB_TOKEN`). */
const SECRET_INFIXES = ["SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "TOKEN", "CREDENTIAL", "PRIVATEKEY", "APIKEY", "ACCESSKEY"];
/** Words of a name (split at `_`, `-`, `.`) that mark it secret (`DB_PASS`, `MYSQL_PWD`, `SENTRY_DSN`). */
const SECRET_WORDS = new Set(["PASS", "PWD", "AUTH", "DSN", "PRIVATE", "COOKIE"]);
const SECRET_PAIRS = ["API_KEY", "ACCESS_KEY", "SIGNING_KEY", "ENCRYPTION_KEY"];
/** The shell's working-directory variables are not secrets, whatever the `PWD` rule says. */
const NOT_SECRET = new Set(["PWD", "OLDPWD"]);
/** Names whose value is a secret only when it carries credentials (`postgres://u:p@h`). */
const URL_WORDS = new Set(["URL", "URI"]);

function words(name: string): string[] {
  return name.toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean);
}

export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRET.has(upper)) return false;
  const parts = words(name);
  const joined = parts.join("_");
  return SECRET_INFIXES.some((s) => upper.includes(s)) || parts.some((w) => SECRET_WORDS.has(w)) || SECRET_PAIRS.some((p) => joined.includes(p));
}

/** Whether the variable's value is to be masked wherever it appears. */
export function isSecretVariable(name: string, value: string): boolean {
  if (isSecretName(name)) return true;
  return words(name).some((w) => URL_WORDS.has(w)) && maskUrlPasswords(value) !== value;
}

export type Redactor = (line: string) => string;

/**
 * A redactor for the values of secret variables in `env` (each line of 4+ characters) and for
 * `extra` values (the secrets written into the command text itself, see commandSecrets).
 */
export function createRedactor(env: NodeJS.ProcessEnv | Record<string, string | undefined>, extra: string[] = []): Redactor {
  const needles = new Set<string>(extra.filter((v) => v.length >= MIN_SECRET_LENGTH));
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "string" || !isSecretVariable(name, value)) continue;
    // Output arrives line by line: a multi-line secret (a PEM key) can only be found per line.
    for (const line of value.split(/\r?\n/)) if (line.length >= MIN_SECRET_LENGTH) needles.add(line);
  }
  // Longest first, so a secret containing another is replaced whole.
  const secrets = [...needles].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return maskUrlPasswords(out);
  };
}

/**
 * The command text as logged and stored: what the redactor masks, plus the values of
 * secret-named assignments (`DB_PASSWORD=x`) and flags (`--password x`, `--api-key=x`).
 */
export function redactCommand(text: string, redact: Redactor): string {
  const tokens = redact(text).split(/(\s+)/);
  for (const { index, prefix } of secretTokens(tokens)) tokens[index] = `${prefix}${REDACTED}`;
  return tokens.join("");
}

/** The secret values written into the command text (so the command's output masks them too). */
export function commandSecrets(text: string): string[] {
  const tokens = text.split(/(\s+)/);
  return secretTokens(tokens).map(({ index, prefix }) => tokens[index]!.slice(prefix.length).replace(/^(["'])(.*)\1$/, "$2"));
}

/**
 * Tokens (of text.split(/(\s+)/)) that hold a secret — `NAME=value`, `--flag=value`, or the word
 * after `--flag` — with the part before the value.
 */
function secretTokens(tokens: string[]): { index: number; prefix: string }[] {
  const out: { index: number; prefix: string }[] = [];
  for (let i = 0; i < tokens.length; i += 2) {
    const token = tokens[i]!;
    const assignment = /^(-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)=(.+)$/.exec(token);
    if (assignment && isSecretName(assignment[1]!.replace(/^-+/, ""))) out.push({ index: i, prefix: `${assignment[1]}=` });
    else if (/^--?[A-Za-z][A-Za-z0-9_-]*$/.test(token) && isSecretName(token.replace(/^-+/, "")) && i + 2 < tokens.length) {
      out.push({ index: i + 2, prefix: "" });
      i += 2;
    }
  }
  return out;
}

/**
 * Replaces the password of every `scheme://user:password@` in `line`. No regex over the whole
 * line (the old one backtracked quadratically on long lines): each `://` is examined with
 * forward-only cursors for the next `@`, `:`, `/` and whitespace, so the cost stays linear.
 */
export function maskUrlPasswords(line: string): string {
  const first = line.indexOf("://");
  if (first < 0) return line;
  const nextAt = cursor(line, "@");
  const nextColon = cursor(line, ":");
  const nextSlash = cursor(line, "/");
  const nextSpace = spaceCursor(line);
  let out = "";
  let copied = 0;
  for (let p = first; p >= 0; p = line.indexOf("://", p + 1)) {
    if (p === 0 || !/[A-Za-z0-9+.-]/.test(line[p - 1]!)) continue;
    const start = p + 3;
    const at = nextAt(start);
    if (at < 0) break;
    if (at - start > MAX_USERINFO) continue;
    const colon = nextColon(start);
    if (colon < 0) break;
    if (colon >= at || colon + 1 === at) continue;
    const slash = nextSlash(start);
    if (slash >= 0 && slash < colon) continue;
    const space = nextSpace(start);
    if (space >= 0 && space < at) continue;
    out += line.slice(copied, colon + 1) + REDACTED;
    copied = at;
    p = at;
  }
  return copied === 0 ? line : out + line.slice(copied);
}

/** indexOf(ch, from) for non-decreasing `from`, each character looked at once overall. */
function cursor(line: string, ch: string): (from: number) => number {
  let searchedFrom = -1;
  let found = -1;
  return (from) => {
    if (searchedFrom >= 0 && from >= searchedFrom && (found < 0 || found >= from)) return found;
    searchedFrom = from;
    found = line.indexOf(ch, from);
    return found;
  };
}

function spaceCursor(line: string): (from: number) => number {
  const re = /\s/g;
  let searchedFrom = -1;
  let found = -1;
  return (from) => {
    if (searchedFrom >= 0 && from >= searchedFrom && (found < 0 || found >= from)) return found;
    searchedFrom = from;
    re.lastIndex = from;
    found = re.exec(line)?.index ?? -1;
    return found;
  };
}
