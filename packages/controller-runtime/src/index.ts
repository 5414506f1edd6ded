/** Identifies an object in a cache or work queue: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(meta: { namespace?: string | undefined; name: string }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}
