// The profile picker's entry point (loaded from dist/ by assume/main.ts): see ./picker/index.ts.
export * from './picker/index.js';
