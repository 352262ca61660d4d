// PostGraphile as the bench runs it (bench/peer.go): the Amber preset on the dataset's
// database, schema public (the API's tables, and the functions of peer.sql), production
// settings: no watch, no GraphiQL, no explain. The bench sets the environment:
// PEER_DATABASE_URL, PEER_POOL_SIZE (the API's -conns), PORT.
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set`);
  }
  return v;
};

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: env("PEER_DATABASE_URL"),
      schemas: ["public"],
      poolConfig: { max: Number(env("PEER_POOL_SIZE")) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(env("PORT")),
    graphiql: false,
    watch: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
