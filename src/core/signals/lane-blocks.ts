// Blocks of a fixed number of lanes, shared by the series kept side by side (histories, trend
// lines): a series takes a lane of the first block with one free, or of a new block, and gives it
// back when it is dropped, for the next series made.

export interface LaneBlock {
  /** The lanes not taken, the next one to take last. */
  readonly free: number[];
}

/** Every lane of a new block, free, lane 0 taken first. */
export function freeLanes(lanes: number): number[] {
  return Array.from({ length: lanes }, (_, i) => lanes - 1 - i);
}

/** A free lane of the first block that has one, or of a block `make` adds. */
export function takeLane<B extends LaneBlock>(blocks: B[], make: () => B): { block: B; lane: number } {
  let block = blocks.find((b) => b.free.length > 0);
  if (!block) blocks.push((block = make()));
  return { block, lane: block.free.pop() ?? 0 };
}
