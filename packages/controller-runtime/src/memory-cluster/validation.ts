// The object-metadata validation MemoryCluster applies, matching the API server's for the cases tests hit: which
// naming rule a kind's names follow. The rules themselves are @kube-vip-gw/kube-core's.

import { dns1035LabelProblem, dns1123LabelProblem, dns1123SubdomainProblem } from '@kube-vip-gw/kube-core';

export { labelValueProblem, qualifiedNameProblem } from '@kube-vip-gw/kube-core';

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
      return dns1123LabelProblem(name);
    case 'dns1035-label':
      return dns1035LabelProblem(name);
    case 'dns1123-subdomain':
      return dns1123SubdomainProblem(name);
  }
}
