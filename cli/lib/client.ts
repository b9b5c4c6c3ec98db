/** Client connection for CLI commands: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, with a clear error when no server answers. */
import { Client, Connection } from '@temporalio/client';

export async function connectClient(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ client: Client; close: () => Promise<void>; address: string; namespace: string }> {
  const address = env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = env.TEMPORAL_NAMESPACE ?? 'default';
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s' });
  } catch (err) {
    throw new Error(
      `cannot reach the Temporal server at ${address} (${err instanceof Error ? err.message : String(err)}) — fix: start it with \`npx migflow server\` (or set TEMPORAL_ADDRESS)`,
    );
  }
  return {
    client: new Client({ connection, namespace }),
    close: () => connection.close(),
    address,
    namespace,
  };
}

/** The Web UI page of one workflow run. */
export function workflowUrl(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
