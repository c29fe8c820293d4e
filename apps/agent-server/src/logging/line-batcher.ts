export interface LineBatcher {
  add(text: string): void;
  /** Delivers what has gathered now and cancels the pending hand-over. */
  flush(): void;
}

/**
 * Gathers log lines and hands them to `deliver` together: at the end of the event-loop turn
 * (`batchMs` 0) or after `batchMs`. One write per batch instead of one per line keeps logging
 * cheap on a busy server.
 */
export function createLineBatcher(deliver: (chunk: string) => void, batchMs = 0): LineBatcher {
  let batch = '';
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    scheduled = false;
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    const chunk = batch;
    batch = '';
    if (chunk !== '') deliver(chunk);
  };
  return {
    add(text) {
      batch += text;
      if (scheduled) return;
      scheduled = true;
      if (batchMs > 0) timer = setTimeout(flush, batchMs);
      else setImmediate(flush);
    },
    flush,
  };
}
