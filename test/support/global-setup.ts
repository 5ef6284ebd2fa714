// Test-run set-up: builds nothing (npm test builds first); starts shared servers when needed.
export default async function setup(): Promise<void> {}
