// Name validation with apimachinery's rules (k8s.io/apimachinery/pkg/util/validation): DNS-1123 labels and
// subdomains, DNS-1035 labels, qualified names (label and annotation keys) and label values. Each rule has a
// predicate and a `...Problem` variant that says why, in the API server's words, for conditions and 422s.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Longest DNS-1123 / DNS-1035 label, qualified-name part and label value. */
export const MAX_LABEL_LENGTH = 63;
/** Longest DNS-1123 subdomain. */
export const MAX_SUBDOMAIN_LENGTH = 253;

/** Why `name` is not a DNS-1123 label (namespaces, most names), or undefined when it is one. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length > MAX_LABEL_LENGTH) return `must be no more than ${MAX_LABEL_LENGTH} characters`;
  return DNS1123_LABEL.test(name)
    ? undefined
    : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
}

/** Why `name` is not a DNS-1035 label (Service names: must start with a letter), or undefined. */
export function dns1035LabelProblem(name: string): string | undefined {
  if (name.length > MAX_LABEL_LENGTH) return `must be no more than ${MAX_LABEL_LENGTH} characters`;
  return DNS1035_LABEL.test(name)
    ? undefined
    : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
}

/** Why `name` is not a DNS-1123 subdomain (most object names, label key prefixes), or undefined. */
export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length > MAX_SUBDOMAIN_LENGTH) return `must be no more than ${MAX_SUBDOMAIN_LENGTH} characters`;
  return DNS1123_SUBDOMAIN.test(name)
    ? undefined
    : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
}

/** Why `key` is not a qualified name (`[prefix/]name`: label and annotation keys), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || dns1123SubdomainProblem(prefix) !== undefined)) {
    return 'prefix part must be a lowercase RFC 1123 subdomain';
  }
  if (name.length === 0 || name.length > MAX_LABEL_LENGTH) {
    return `name part must be non-empty and no more than ${MAX_LABEL_LENGTH} characters`;
  }
  if (!QUALIFIED_NAME_PART.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Why `value` is not a label value (at most 63 characters, alphanumeric at both ends, or empty), or undefined. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > MAX_LABEL_LENGTH) return `must be no more than ${MAX_LABEL_LENGTH} characters`;
  return LABEL_VALUE.test(value)
    ? undefined
    : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
}

/** A DNS-1123 label. */
export function isDns1123Label(name: string): boolean {
  return dns1123LabelProblem(name) === undefined;
}

/** A DNS-1035 label. */
export function isDns1035Label(name: string): boolean {
  return dns1035LabelProblem(name) === undefined;
}

/** A DNS-1123 subdomain (non-empty). */
export function isDns1123Subdomain(name: string): boolean {
  return dns1123SubdomainProblem(name) === undefined;
}

/** A label or annotation key. */
export function isQualifiedName(key: string): boolean {
  return qualifiedNameProblem(key) === undefined;
}

/** A label value. */
export function isLabelValue(value: string): boolean {
  return labelValueProblem(value) === undefined;
}
