/** The Gateway API release this controller implements and assumes when no CRD can be read (offline rendering). */
export const GATEWAY_API_BUNDLE_VERSION = 'v1.6.1';
