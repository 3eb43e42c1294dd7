// cluster-key-slot (ioredis' own dependency) ships no types: Redis Cluster's CRC16 hash slot of a key.
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | Buffer): number;
}
