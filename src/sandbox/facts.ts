// Fixed facts of the emulated account that several stand-ins must tell alike (EC2, Auto
// Scaling, Elastic Beanstalk and IMDS describe the same instances).
export const INSTANCE_TYPE = "t3.micro";
export const IMAGE_ID = "ami-0abcdef1234567890";
export const LAUNCH_TEMPLATE_ID = "lt-0123456789abcdef0";
export const VPC_ID = "vpc-0a1b2c3d4e5f60000";
export const SUBNET_IDS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"];

export function availabilityZones(region: string): string[] {
  return ["a", "b", "c"].map((suffix) => `${region}${suffix}`);
}

/** EC2's private DNS name for an address in us-east-1 style: ip-172-31-1-2.ec2.internal. */
export function privateDnsName(privateIp: string): string {
  return `ip-${privateIp.replace(/\./g, "-")}.ec2.internal`;
}

/** A time as AWS writes it in IMDS documents and activity causes: ISO 8601 to the second. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
