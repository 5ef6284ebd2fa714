// EB_MIGRATE_ECS_IMAGE: an image reference with placeholders for the deployment, and the check
// that what it gives is an image reference ECS and Docker accept. A value that does not fit is
// refused, never mangled: a tag silently rewritten would name an image nobody pushed.

/** The placeholders EB_MIGRATE_ECS_IMAGE may use, and where each value comes from. */
export const IMAGE_PLACEHOLDERS = ["version_label", "deployment_id", "environment"] as const;
export type ImagePlaceholder = (typeof IMAGE_PLACEHOLDERS)[number];
export type ImageValues = Partial<Record<ImagePlaceholder, string>>;

const PLACEHOLDER_NAMES: Record<ImagePlaceholder, string> = {
  version_label: "the deployment's version label",
  deployment_id: "the deployment id",
  environment: "the environment's name",
};

export const IMAGE_ALLOWED = `an image reference, with the placeholders ${IMAGE_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")} (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:{version_label})`;

type Part = { text: string } | { placeholder: ImagePlaceholder };

/** The template's literal text and placeholders, or why it is not a template. */
export function parseImageTemplate(template: string): Part[] | { problem: string } {
  const parts: Part[] = [];
  let rest = template;
  while (rest !== "") {
    const open = rest.indexOf("{");
    const close = rest.indexOf("}");
    if (close !== -1 && (open === -1 || close < open)) return { problem: 'a "}" without its "{"' };
    if (open === -1) {
      parts.push({ text: rest });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    if (close === -1) return { problem: 'a "{" that is never closed' };
    const name = rest.slice(open + 1, close);
    if (!(IMAGE_PLACEHOLDERS as readonly string[]).includes(name)) return { problem: `unknown placeholder {${name}}` };
    parts.push({ placeholder: name as ImagePlaceholder });
    rest = rest.slice(close + 1);
  }
  return parts;
}

/** The placeholders a (valid) template uses. */
export function templatePlaceholders(template: string): ImagePlaceholder[] {
  const parts = parseImageTemplate(template);
  return Array.isArray(parts) ? [...new Set(parts.flatMap((p) => ("placeholder" in p ? [p.placeholder] : [])))] : [];
}

/**
 * Why the template cannot give a valid reference whatever the deployment (checked with a value
 * that fits every position), or undefined. Used when the setting is read.
 */
export function templateProblem(template: string): string | undefined {
  const parts = parseImageTemplate(template.trim());
  if (!Array.isArray(parts)) return parts.problem;
  const sample = parts.map((p) => ("text" in p ? p.text : "a0")).join("");
  return imageReferenceProblem(sample);
}

export type Substituted = { image: string } | { missing: ImagePlaceholder } | { image: string; problem: string };

/** The template with the deployment's values in: the image, a placeholder without a value, or why the result is no image reference. */
export function substituteImage(template: string, values: ImageValues): Substituted {
  const parts = parseImageTemplate(template.trim());
  if (!Array.isArray(parts)) throw new Error(`EB_MIGRATE_ECS_IMAGE was accepted but does not parse: ${parts.problem}`);
  let image = "";
  for (const part of parts) {
    if ("text" in part) image += part.text;
    else {
      const value = values[part.placeholder];
      if (value === undefined || value === "") return { missing: part.placeholder };
      image += value;
    }
  }
  const problem = imageReferenceProblem(image);
  return problem ? { image, problem } : { image };
}

export function placeholderMeaning(placeholder: ImagePlaceholder): string {
  return PLACEHOLDER_NAMES[placeholder];
}

// Docker's reference grammar (distribution/reference, as `docker pull` parses a name):
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [ domain "/" ] path-component [ "/" path-component ]*   (255 characters at most)
//   domain    := domain-component [ "." domain-component ]* [ ":" port ]
//   path-component := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
//   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   digest    := algorithm ":" hex (sha256: 64 hex digits, the only one ECS accepts)
// ECS adds (ContainerDefinition.image): up to 255 characters in all for a tagged image, the 255
// counting only what precedes "@" for a digest. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-fA-F]{64}$/;
const MAX_IMAGE = 255;

/** Why `image` is not an image reference ECS would pull, or undefined. */
export function imageReferenceProblem(image: string): string | undefined {
  if (image === "") return "it is empty";
  const at = image.indexOf("@");
  const beforeDigest = at === -1 ? image : image.slice(0, at);
  if (at !== -1 && !DIGEST.test(image.slice(at + 1))) return `the digest "${image.slice(at + 1)}" is not sha256: and 64 hex digits`;
  if (beforeDigest.length > MAX_IMAGE) return `it is ${beforeDigest.length} characters long; ECS allows ${MAX_IMAGE}`;
  // The tag follows the last ":" after the last "/" (a ":" before it is the registry's port).
  const lastSlash = beforeDigest.lastIndexOf("/");
  const colon = beforeDigest.indexOf(":", lastSlash + 1);
  const name = colon === -1 ? beforeDigest : beforeDigest.slice(0, colon);
  const tag = colon === -1 ? undefined : beforeDigest.slice(colon + 1);
  if (tag !== undefined && !DOCKER_TAG.test(tag)) return `the tag "${tag}" is not a Docker tag (1 to 128 of letters, digits, _ . -, not starting with . or -)`;
  const components = name.split("/");
  const first = components[0]!;
  // Docker's rule: the first component is a registry when it has a "." or ":" or is localhost.
  const hasDomain = components.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasDomain && !DOMAIN.test(first)) return `the registry "${first}" is not a host name (with an optional :port)`;
  const path = hasDomain ? components.slice(1) : components;
  const bad = path.find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) return `the repository part "${bad}" is not valid (lower-case letters and digits, separated by single . _ __ or -)`;
  return undefined;
}
