// Identifiers shaped like AWS's: environment e-xxxxxxxxxx, instance i- + 17 hex, ASG suffixes.
import { randomBytes } from "node:crypto";

const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function pick(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

export const newEnvironmentId = () => `e-${pick(LOWER, 10)}`;
export const newInstanceId = () => `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
/** The random suffix CloudFormation gives the group: awseb-e-…-stack-AWSEBAutoScalingGroup-ABCDEF123456. */
export const newResourceSuffix = () => pick(UPPER, 12);
export const newReservationId = () => `r-${randomBytes(9).toString("hex").slice(0, 17)}`;
export const newPrivateIp = () => {
  const [a, b] = randomBytes(2);
  return `172.31.${a! % 256}.${(b! % 253) + 2}`;
};
/** Opaque IMDSv2 session token, about the length of a real one. */
export const newMetadataToken = () => randomBytes(42).toString("base64");
