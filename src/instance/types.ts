// Who this process is: the instance, its environment, and the deployment being made.

export interface Identity {
  instanceId: string;
  region: string;
  environmentName: string;
  environmentId: string;
  /** The instance's Auto Scaling group, when known without an API call (else found lazily). */
  autoScalingGroup?: string;
}

export interface Deployment {
  /** Stable key of this deployment: `<versionLabel>#<deploymentId>` or `bundle-<sha256>`. */
  key: string;
  versionLabel?: string;
  deploymentId?: string;
  /** Where it was read from, for the log ("app_version_manifest.json", "source bundle digest"). */
  source: string;
}
