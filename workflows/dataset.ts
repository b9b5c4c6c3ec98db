/** DatasetWorkflow: prepares each listed dataset (in parallel) through the cached `prepareDataset` activity. */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import { DatasetWorkflowInput, type DatasetWorkflowResult, Stage } from '../contracts/index.js';
import { type Activities, DATASET_RETRY, validateInput } from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';

function baseName(p: string): string {
  return p.split('/').pop() ?? p;
}

export async function DatasetWorkflow(rawInput: DatasetWorkflowInput): Promise<DatasetWorkflowResult> {
  const input = validateInput('DatasetWorkflow', DatasetWorkflowInput, rawInput);
  const runId = joinRun(Stage.datasets, input.runId);
  const { prepareDataset } = proxyActivities<Activities>({
    startToCloseTimeout: '2h',
    heartbeatTimeout: `${input.heartbeatTimeoutS}s`,
    retry: DATASET_RETRY,
  });
  const names = input.datasets.map((d) => `${d.kind} (${d.inputs.map(baseName).join(', ')})`);
  setCurrentDetails(`**Preparing ${input.datasets.length} dataset(s):** ${names.join('; ')}`);
  const results = await Promise.all(
    input.datasets.map((d) =>
      prepareDataset.executeWithOptions(
        {
          startToCloseTimeout: '2h',
          heartbeatTimeout: `${input.heartbeatTimeoutS}s`,
          retry: DATASET_RETRY,
          summary: `prepare ${d.kind} dataset from ${d.inputs.map(baseName).join(', ')}`,
        },
        [d],
      ),
    ),
  );
  setCurrentDetails(
    `**Done.** ${results
      .map(
        (r) =>
          `${r.kind}: ${r.rowsWritten} rows${r.hit ? ' (cache hit)' : ''}, ${r.malformedCount} malformed`,
      )
      .join('; ')}`,
  );
  return { runId, datasets: results };
}
