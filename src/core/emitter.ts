// A minimal typed event emitter, so core needs nothing from Node.
export type Listener<T> = (event: T) => void;
export interface Disposable {
  dispose(): void;
}

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  on(listener: Listener<T>): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(event: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A faulty listener must not break the supervisor; listeners report their own errors.
      }
    }
  }
}
