/**
 * A minimal Chrome DevTools Protocol client over Deno's built-in `WebSocket`: enough to drive a
 * page in headless Chromium (evaluate, click, wait, screenshot). Written here instead of taken
 * from npm so browser tests add no dependency and no browser download of their own.
 *
 * @see https://chromedevtools.github.io/devtools-protocol/
 */

/** A headless Chromium and its DevTools connection. */
export interface Browser {
  /** Opens a tab at `url` and waits until the document has loaded. */
  newPage(url: string): Promise<Page>;
  /** Ends Chromium and deletes its profile; safe after a crash and when called twice. */
  close(): Promise<void>;
}

/** One tab, driven through its own flattened CDP session. */
export interface Page {
  /** Runs `expression` in the page, awaits a promise result, returns the JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Clicks the middle of the first element matching `selector` with real mouse events. */
  click(selector: string): Promise<void>;
  /** Polls until `predicateExpression` is truthy in the page, for up to 5 s by default. */
  waitFor(predicateExpression: string, timeoutMs?: number): Promise<void>;
  /** Saves the viewport as a PNG file. */
  screenshot(path: string | URL): Promise<void>;
}

/** Options of {@linkcode launchChromium}. */
export interface LaunchOptions {
  /** The browser binary. @default {Deno.env.get("CHROMIUM_PATH") || "chromium"} */
  path?: string;
  /** Limit for Chromium to start, and then for each protocol command. @default {10000} */
  timeoutMs?: number;
}

/** A child's output as it arrives, for finding a line and for failure messages. */
export interface Output {
  /** The first complete line matching `pattern`, seen already or yet to come. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** The last 64 KiB read so far. */
  text(): string;
  /** Stops reading (the stream is cancelled) and resolves once the reader is done. */
  stop(): Promise<void>;
}

// Quiet, self-contained Chromium: nothing phones home or updates mid-test, and the system
// profile is never touched. Port 0 lets Chromium pick a free port and print it on stderr.
const FLAGS = [
  "--headless",
  "--no-sandbox", // containers and CI usually run as root, where the sandbox cannot start
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  // Docker-sized /dev/shm (64 MB) crashes renderers; /tmp has room.
  "--disable-dev-shm-usage",
  "--disable-sync",
  "--disable-quic",
  "--remote-debugging-port=0",
];

type Params = Record<string, unknown>;
type Reply = { id?: number; result?: Params; error?: { message: string } };

/** Races `promise` against a timer that is always cleared, so no timer outlives a test. */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a child process's output in the background. Always keep reading a piped stream: a full
 * pipe blocks the child's next write.
 *
 * @param stream The child's `stdout` or `stderr`.
 * @returns A view of the output.
 */
export function watchOutput(stream: ReadableStream<Uint8Array>): Output {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const changed = new EventTarget();
  let text = "";
  let ended = false;
  const done = (async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text = (text + chunk.value).slice(-65_536);
      changed.dispatchEvent(new Event("change"));
    }
  })().catch(() => {}).finally(() => {
    ended = true;
    changed.dispatchEvent(new Event("change"));
  });
  return {
    text: () => text,
    stop: () => reader.cancel().catch(() => {}).then(() => done),
    waitForLine(pattern, timeoutMs) {
      let check = () => {};
      const found = new Promise<RegExpExecArray>((resolve, reject) => {
        check = () => {
          // Only complete lines: a line read in two chunks must not match on its first half.
          const match = pattern.exec(text.slice(0, text.lastIndexOf("\n") + 1));
          if (match) resolve(match);
          else if (ended) reject(new Error(`Output ended before a line matched ${pattern}`));
        };
        changed.addEventListener("change", check);
        check();
      });
      const message = `No line matched ${pattern} within ${timeoutMs} ms`;
      return withTimeout(found, timeoutMs, message)
        .finally(() => changed.removeEventListener("change", check));
    },
  };
}

/** Request/response over one socket; browser-level and session-level messages share it. */
class Connection {
  #nextId = 0;
  #pending = new Map<number, { resolve: (result: Params) => void; reject: (e: Error) => void }>();
  readonly closed: Promise<void>;

  constructor(readonly socket: WebSocket, readonly timeoutMs: number) {
    socket.onmessage = (event) => {
      const reply: Reply = JSON.parse(String(event.data));
      // Messages without an id are events; nothing here subscribes to any.
      const pending = reply.id === undefined ? undefined : this.#pending.get(reply.id);
      if (reply.id === undefined || pending === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.error) pending.reject(new Error(`Chromium refused: ${reply.error.message}`));
      else pending.resolve(reply.result ?? {});
    };
    this.closed = new Promise((resolve) => {
      socket.onclose = () => {
        const error = new Error("Chromium closed the DevTools connection");
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
        resolve();
      };
    });
  }

  send<T>(method: string, params: Params = {}, sessionId?: string): Promise<T> {
    if (this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(
        new Error(`Cannot send ${method} as the DevTools connection is closed`),
      );
    }
    const id = ++this.#nextId;
    const reply = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: (result) => resolve(result as T), reject });
    });
    this.socket.send(JSON.stringify({ id, method, params, sessionId }));
    return withTimeout(reply, this.timeoutMs, `Chromium did not answer ${method} in time`);
  }
}

async function connect(url: string, timeoutMs: number): Promise<Connection> {
  const socket = new WebSocket(url);
  const opened = new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`Cannot connect to Chromium's DevTools at ${url}`));
  });
  await withTimeout(opened, timeoutMs, `Chromium's DevTools at ${url} did not open in time`);
  return new Connection(socket, timeoutMs);
}

/**
 * Starts a headless Chromium on a fresh profile.
 *
 * @param options Binary and time limit.
 * @returns The browser; call `close()` in a `finally`.
 * @throws {Error} When Chromium cannot start, with what it printed.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const { path = Deno.env.get("CHROMIUM_PATH") || "chromium", timeoutMs = 10_000 } = options;
  const profile = await Deno.makeTempDir({ prefix: "chromium-test-" });
  let child: Deno.ChildProcess | undefined;
  let stderr: Output | undefined;
  let cdp: Connection | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      try {
        // Browser.close lets Chromium end its helper processes; SIGKILL is for a hung browser.
        cdp?.send("Browser.close").catch(() => {});
        if (child) {
          const exited = cdp !== undefined &&
            await withTimeout(child.status, 3_000, "").then(() => true, () => false);
          if (!exited) {
            try {
              child.kill("SIGKILL");
            } catch { /* it exited on its own meanwhile */ }
          }
          await child.status;
        }
        // Helpers that outlive the browser keep stderr open; stop waiting for them.
        await stderr?.stop();
        cdp?.socket.close();
        if (cdp) await withTimeout(cdp.closed, 3_000, "").catch(() => {});
      } finally {
        await Deno.remove(profile, { recursive: true }).catch(() => {});
      }
    })();
  try {
    const args = [...FLAGS, `--user-data-dir=${profile}`, "about:blank"];
    child = new Deno.Command(path, { args, stdin: "null", stdout: "null", stderr: "piped" })
      .spawn();
    const output = stderr = watchOutput(child.stderr);
    const [, url = ""] = await output.waitForLine(/DevTools listening on (ws:\/\/\S+)/, timeoutMs)
      .catch((error: Error) => {
        throw new Error(`Cannot start ${path}: ${error.message}\n${output.text()}`);
      });
    cdp = await connect(url, timeoutMs);
  } catch (error) {
    await close();
    throw error;
  }
  const browser = cdp;
  return { close, newPage: (url) => openPage(browser, url) };
}

type Evaluated = {
  result: { value?: unknown };
  exceptionDetails?: { text: string; exception?: { description?: string } };
};

async function openPage(cdp: Connection, url: string): Promise<Page> {
  const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
    url: "about:blank",
  });
  const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
    targetId,
    flatten: true,
  });
  const send = <T>(method: string, params?: Params) => cdp.send<T>(method, params, sessionId);
  const evaluate = async <T>(expression: string): Promise<T> => {
    const params = { expression, returnByValue: true, awaitPromise: true };
    const { result, exceptionDetails } = await send<Evaluated>("Runtime.evaluate", params);
    if (exceptionDetails) {
      const reason = exceptionDetails.exception?.description ?? exceptionDetails.text;
      throw new Error(`The page threw while evaluating ${expression}: ${reason}`);
    }
    return result.value as T;
  };
  const waitFor = async (predicateExpression: string, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await evaluate<boolean>(`Boolean(${predicateExpression})`))) {
      if (Date.now() > deadline) {
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${predicateExpression}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const { errorText } = await send<{ errorText?: string }>("Page.navigate", { url });
  if (errorText) throw new Error(`Cannot open ${url}: ${errorText}`);
  // Polling instead of load events: the blank page the tab started on may report its own load.
  await waitFor(`location.href !== "about:blank" && document.readyState === "complete"`);

  return {
    evaluate,
    waitFor,
    async click(selector) {
      // A real click lands on whatever is on top at that point, so check that it is the element
      // (or its child): a hidden or covered button must fail here, as it would for a person.
      const point = await evaluate<{ x: number; y: number } | string>(`(() => {
        const element = document.querySelector(${JSON.stringify(selector)});
        if (!element) return "no element matches it";
        element.scrollIntoView({ block: "center" });
        const box = element.getBoundingClientRect();
        const x = box.x + box.width / 2, y = box.y + box.height / 2;
        return element.contains(document.elementFromPoint(x, y)) ? { x, y } : "it is hidden or covered";
      })()`);
      if (typeof point === "string") throw new Error(`Cannot click ${selector} as ${point}`);
      for (const type of ["mousePressed", "mouseReleased"]) {
        await send("Input.dispatchMouseEvent", { type, ...point, button: "left", clickCount: 1 });
      }
    },
    async screenshot(path) {
      const { data } = await send<{ data: string }>("Page.captureScreenshot", { format: "png" });
      await Deno.writeFile(path, Uint8Array.from(atob(data), (char) => char.charCodeAt(0)));
    },
  };
}
