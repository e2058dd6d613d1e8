import { EventEmitter } from 'node:events';
import type { DomainEventName, DomainEvents } from '../../shared/events.js';

type Listener<K extends DomainEventName> = (payload: DomainEvents[K]) => void | Promise<void>;

/** The typed in-process bus. Services publish after commit; listeners must not throw into them. */
export class EventBus {
  private emitter = new EventEmitter({ captureRejections: false });
  private onError: (err: unknown, name: string) => void;

  constructor(onError: (err: unknown, name: string) => void = () => {}) {
    this.emitter.setMaxListeners(100);
    this.onError = onError;
  }

  on<K extends DomainEventName>(name: K, listener: Listener<K>): () => void {
    const wrapped = (payload: DomainEvents[K]) => {
      try {
        const r = listener(payload);
        if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((e) => this.onError(e, name));
      } catch (e) {
        this.onError(e, name);
      }
    };
    this.emitter.on(name, wrapped);
    return () => this.emitter.off(name, wrapped);
  }

  publish<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }
}

/** Collects events during a transaction and publishes them only once it has committed. */
export class Outbox {
  private items: { name: DomainEventName; payload: unknown }[] = [];
  add<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    this.items.push({ name, payload });
  }
  /** What was recorded so far (webhooks are queued from it before the commit: services/webhook-events.ts). */
  recorded(): readonly { name: DomainEventName; payload: unknown }[] {
    return [...this.items];
  }
  flush(bus: EventBus): void {
    for (const { name, payload } of this.items) bus.publish(name, payload as never);
    this.items = [];
  }
}
