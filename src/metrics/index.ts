export * from './fidelity.js';
