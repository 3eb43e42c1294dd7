// A fixed-capacity FIFO: pushing past capacity drops the oldest entry. Used for worker logs and
// anything else that must stay bounded however long the editor runs.
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private size = 0;
  private dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = item;
      this.size++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
      this.dropped++;
    }
  }

  get length(): number {
    return this.size;
  }

  /** How many entries were pushed out since creation. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** The newest `n` entries (all by default), oldest first. */
  tail(n = this.size): T[] {
    const count = Math.min(Math.max(0, n), this.size);
    const out: T[] = [];
    for (let i = this.size - count; i < this.size; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }
}
