// Types of boundaries.js (plain JavaScript: eslint.config.js loads it without a TypeScript loader).
export interface Project {
  /** The element type the boundary rule knows the project by. */
  type: string;
  /** The project's folder, relative to the workspace root. */
  folder: string;
  /** Its Nx tags (also in its package.json "nx" field). */
  tags: string[];
  /** The element types its files may import, besides its own. */
  mayImport: string[];
}
export const projects: Project[];
export const testOnly: string[];
export const testFiles: string[];
export const ioModules: string[];
export const boundaryFiles: { category: string; pattern: string | string[] }[];
export const boundaryElements: { type: string; pattern: string }[];
export const boundaryPolicies: object[];
