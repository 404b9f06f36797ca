// One way to keep a view fresh: run a step, then run it again after the delay the step returns (null: stop).
// A new run replaces one in flight (only the newest schedules the next), and unmounting stops it all.
import { onBeforeUnmount } from "vue";

export function usePoll(step: () => Promise<number | null>) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  let alive = true;

  async function run(): Promise<void> {
    clearTimeout(timer);
    if (!alive) return;
    const mine = ++generation;
    const next = await step();
    if (alive && mine === generation && next !== null) timer = setTimeout(run, next);
  }

  function stop(): void {
    alive = false;
    clearTimeout(timer);
  }

  onBeforeUnmount(stop);
  return { run, stop, get stopped() { return !alive; } };
}
