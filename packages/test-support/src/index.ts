// @kube-vip-gw/test-support: shared by the e2e, reliability and data-plane suites (README.md).
export { DEFAULT_WAIT_MS, WaitTimeoutError, eventually, sleep, waitFor } from './wait.js';
export { WRITE_VERBS, isWrite, parseAuditLog, readAuditLog, type AuditLogOptions, type AuditedRequest } from './audit-log.js';
