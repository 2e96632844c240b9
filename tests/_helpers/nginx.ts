/**
 * Runs a real nginx (Debian's, installed by `dev/ensure_nginx.sh` when missing) as a
 * TLS-terminating reverse proxy in front of a local server, with the usual forwarding headers:
 *
 * ```nginx
 * proxy_set_header Host              $http_host;
 * proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;
 * proxy_set_header X-Forwarded-Proto $scheme;
 * proxy_set_header X-Forwarded-Host  $http_host;
 * ```
 *
 * It passes every other header of the client's through, `Forwarded` included, as nginx does.
 */

/** A running nginx. */
export interface Nginx {
  /** Its HTTPS port on `[::1]`. */
  port: number;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

async function nginxPath(): Promise<string> {
  const script = new URL("../../dev/ensure_nginx.sh", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command("sh", { args: [script.pathname] })
    .output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  if (code !== 0) throw new Error(`dev/ensure_nginx.sh failed:\n${decode(stderr)}`);
  return decode(stdout).split("\n").at(-1)!;
}

function freePort(hostname: string): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForPort(hostname: string, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      (await Deno.connect({ hostname, port })).close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`nginx did not listen on ${port}:\n${output()}`);
}

/**
 * Starts nginx on a free port of `[::1]`, proxying to `upstreamPort` on 127.0.0.1.
 *
 * @param upstreamPort Where the server listens (plain HTTP, IPv4 loopback).
 * @param tls Paths of the certificate and key it terminates TLS with.
 */
export async function startNginx(
  upstreamPort: number,
  tls: { certPath: string; keyPath: string },
): Promise<Nginx> {
  const binary = await nginxPath();
  const dir = await Deno.makeTempDir({ prefix: "onramp-nginx-" });
  const port = freePort("::1");
  const config = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen [::1]:${port} ssl;
    ssl_certificate ${tls.certPath};
    ssl_certificate_key ${tls.keyPath};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`;
  await Deno.writeTextFile(`${dir}/nginx.conf`, config);
  const child = new Deno.Command(binary, {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`, "-e", "stderr"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const drained = Promise.all([child.stdout, child.stderr].map(async (stream) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) printed += text;
  }));
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await child.status;
    await drained;
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await waitForPort("::1", port, () => printed);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}
