// How long work that shares the event loop with the editor (the signals tick over 1000 queues,
// sending the counts' script calls) runs in one turn before it lets the loop run: one source for
// the node layer's time slices and the queue adapters' sends.
export const TURN_BUDGET_MS = 1;
