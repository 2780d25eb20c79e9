/** The client: wiring of the transport (core.ts) to the thin resources. */
import { type ClientOptions, Core } from './core.ts';
import { Admin } from './resources/admin.ts';
import { Chat } from './resources/chat.ts';
import { Completions } from './resources/completions.ts';
import { Models } from './resources/models.ts';
import { Usage } from './resources/usage.ts';

/**
 * A Distillgate gateway client.
 *
 * ```ts
 * const client = new Distillgate({ baseURL: 'http://127.0.0.1:8787', apiKey: 'dg-…' });
 * const answer = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export class Distillgate {
  readonly chat: Chat;
  readonly completions: Completions;
  readonly models: Models;
  readonly usage: Usage;
  readonly admin: Admin;
  /** The gateway's origin requests go to. */
  readonly baseURL: string;

  constructor(options: ClientOptions = {}) {
    const core = new Core(options);
    this.baseURL = core.baseURL;
    this.chat = new Chat(core);
    this.completions = new Completions(core);
    this.models = new Models(core);
    this.usage = new Usage(core);
    this.admin = new Admin(core);
  }
}
