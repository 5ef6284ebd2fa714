// Secrets never reach a log line or a record: the name rule, multi-line values, URL passwords,
// the command text — and the same answer on an 80 KB or 1 MB line as on a short one.
import { describe, expect, it } from "vitest";
import { commandSecrets, createRedactor, isSecretName, maskUrlPasswords, redactCommand } from "../../src/release/redact.js";

describe("isSecretName", () => {
  it.each(["DB_PASS", "MYSQL_PWD", "DB_PASSWD", "DATABASE_PASSWORD", "AWS_CREDENTIALS", "GOOGLE_CREDENTIAL", "GPG_PRIVATE_KEY", "SENTRY_DSN", "SECRET_KEY", "GITHUB_TOKEN", "STRIPE_API_KEY", "BASIC_AUTH", "db-password"])(
    "%s is secret",
    (name) => expect(isSecretName(name)).toBe(true),
  );

  it.each(["PWD", "OLDPWD", "PATH", "HOME", "PASSENGER_COUNT", "BYPASS_CACHE", "COMPASS_DIR", "AUTHOR", "STATIC_URL", "DJANGO_SETTINGS_MODULE"])("%s is not", (name) =>
    expect(isSecretName(name)).toBe(false),
  );
});

describe("createRedactor", () => {
  it("masks *_URL values that carry credentials, not those that do not", () => {
    const redact = createRedactor({ DATABASE_URL: "postgres://app:pw-in-url@db/app", STATIC_URL: "/static/", REDIS_URL: "redis://cache:6379/0" });
    expect(redact("url postgres://app:pw-in-url@db/app")).toBe("url ***");
    expect(redact("serving /static/ from redis://cache:6379/0")).toBe("serving /static/ from redis://cache:6379/0");
  });

  it("masks each line of a multi-line secret (a PEM key printed line by line)", () => {
    const key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\r\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----";
    const redact = createRedactor({ TLS_PRIVATE_KEY: key });
    const printed = key.split(/\r?\n/).map(redact);
    expect(printed).toEqual(["***", "***", "***", "***"]);
    expect(redact(`key: ${key.split("\n")[1]!.trim()}!`)).toBe("key: ***!");
  });

  it("leaves values under 4 characters alone (said in the README)", () => {
    expect(createRedactor({ DB_PASS: "abc" })("abc")).toBe("abc");
  });

  it("masks URL passwords in any line, also with an empty user", () => {
    const redact = createRedactor({});
    expect(redact("connecting to postgres://app:s3cret@db:5432/app and redis://:hunter22@cache/0")).toBe("connecting to postgres://app:***@db:5432/app and redis://:***@cache/0");
    expect(redact("see http://example.com:8080/path and mailto:me@example.com")).toBe("see http://example.com:8080/path and mailto:me@example.com");
    expect(redact("two a://u:p@h b://v:q@i")).toBe("two a://u:***@h b://v:***@i");
  });

  it("gives the same answer on an 80 KB and a 1 MB line (no cut-off, no backtracking blow-up)", () => {
    const env = { DB_PASSWORD: "hunter2-secret" };
    const redact = createRedactor(env);
    for (const size of [80_000, 1_000_000]) {
      const filler = "a".repeat(size);
      // Long runs of scheme-like and userinfo-like characters around the secrets.
      const line = `${filler}postgres://app:pw-${size}@db ${filler}:${filler} hunter2-secret ${filler}://x`;
      const out = redact(line);
      expect(out).toBe(`${filler}postgres://app:***@db ${filler}:${filler} *** ${filler}://x`);
      expect(maskUrlPasswords(`${"x://".repeat(size / 4)}`)).toBe("x://".repeat(size / 4));
    }
  });
});

describe("redactCommand", () => {
  it("masks secret assignments and flags in the command text, and the env's secret values", () => {
    const redact = createRedactor({ DB_PASSWORD: "hunter2-secret" });
    expect(redactCommand("DB_PASS=abcd1234 python manage.py migrate --password hunter2-secret --api-key=k-123 --database-url postgres://u:pw@h/db --noinput", redact)).toBe(
      "DB_PASS=*** python manage.py migrate --password *** --api-key=*** --database-url postgres://u:***@h/db --noinput",
    );
    expect(redactCommand("python manage.py migrate --noinput", redact)).toBe("python manage.py migrate --noinput");
    expect(redactCommand("run --password a=b", redact)).toBe("run --password ***");
  });

  it("hands the command's own secrets to the output redactor", () => {
    const text = `DB_PASS=abcd1234 migrate --password 'quoted-pw' --token=tok-5678 --name visible`;
    expect(commandSecrets(text)).toEqual(["abcd1234", "quoted-pw", "tok-5678"]);
    expect(createRedactor({}, commandSecrets(text))("echo abcd1234 quoted-pw tok-5678 visible")).toBe("echo *** *** *** visible");
  });
});
