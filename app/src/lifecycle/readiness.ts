// Start-up → ready → draining. /ready answers 200 only while ready.
export type Phase = 'starting' | 'ready' | 'draining';

export class Readiness {
  private current: Phase = 'starting';

  get phase(): Phase {
    return this.current;
  }

  get isReady(): boolean {
    return this.current === 'ready';
  }

  markReady(): void {
    if (this.current === 'starting') this.current = 'ready';
  }

  markDraining(): void {
    this.current = 'draining';
  }
}
