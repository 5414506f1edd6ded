import { GATEWAY_API_GROUP } from '@kube-vip-gw/gateway-model';

/** Label every generated object carries with the name of its Gateway (GEP-1762). */
export const GATEWAY_NAME_LABEL = `${GATEWAY_API_GROUP}/gateway-name`;
