export function strategyOf(run: { controllerArgs?: readonly string[] }): string;
