export { GATEWAY_NAME_LABEL } from '@kube-vip-gw/service-mapper';

/** The controllerName this controller serves by default (DESIGN §4.1). */
export const DEFAULT_CONTROLLER_NAME = 'kube-vip.io/controller';
