// The object-metadata validation MemoryCluster applies, matching the API server's for the cases tests hit: names,
// label keys and values, annotation keys, ownerReferences.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The naming rule a kind's object names follow. */
export type NameRule = 'dns1123-label' | 'dns1123-subdomain' | 'dns1035-label';

/** The naming rule of a kind: Namespaces are DNS-1123 labels, Services DNS-1035 labels, the rest subdomains. */
export function nameRuleOf(kind: string): NameRule {
  if (kind === 'Namespace') return 'dns1123-label';
  if (kind === 'Service') return 'dns1035-label';
  return 'dns1123-subdomain';
}

/** Why a name breaks a rule, or undefined when it is valid. */
export function nameProblem(name: string, rule: NameRule): string | undefined {
  switch (rule) {
    case 'dns1123-label':
      if (name.length > 63) return 'must be no more than 63 characters';
      return DNS1123_LABEL.test(name)
        ? undefined
        : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    case 'dns1035-label':
      if (name.length > 63) return 'must be no more than 63 characters';
      return DNS1035_LABEL.test(name)
        ? undefined
        : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    case 'dns1123-subdomain':
      if (name.length > 253) return 'must be no more than 253 characters';
      return DNS1123_SUBDOMAIN.test(name)
        ? undefined
        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
}

/** Why a label or annotation key is invalid (`prefix/name`), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return 'prefix part must be a lowercase RFC 1123 subdomain';
  }
  if (name.length === 0 || name.length > 63) return 'name part must be non-empty and no more than 63 characters';
  if (!QUALIFIED_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Why a label value is invalid, or undefined. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > 63) return 'must be no more than 63 characters';
  return LABEL_VALUE.test(value)
    ? undefined
    : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
}
