// Loaded before every bun run and bun test.
export const ready = true;
