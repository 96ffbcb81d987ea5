/** Clients for mindlet's endpoints (and any Open Inference Protocol server). */
export * from './kserve-client.js';
