/** The PostgreSQL of the service suite: the benchmark's throwaway cluster (bench/postgres.ts). */
export { startPostgres, type TestPostgres } from '../../bench/postgres.js';
