/** `migflow schema <pipeline|dataset>`: the JSON Schema of a workflow's input, generated from its zod schema. */
import type { Command } from 'commander';
import { z } from 'zod';
import { DatasetWorkflowInput, PipelineInput } from '../../contracts/index.js';

export const WORKFLOW_INPUT_SCHEMAS = { pipeline: PipelineInput, dataset: DatasetWorkflowInput } as const;

export function workflowInputJsonSchema(name: keyof typeof WORKFLOW_INPUT_SCHEMAS): unknown {
  return z.toJSONSchema(WORKFLOW_INPUT_SCHEMAS[name], { io: 'input' });
}

export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description(
      'print the JSON Schema of a workflow input (pipeline = PipelineWorkflow, dataset = DatasetWorkflow)',
    )
    .argument('<workflow>', 'pipeline | dataset')
    .action((name: string) => {
      if (!(name in WORKFLOW_INPUT_SCHEMAS))
        throw new Error(
          `unknown workflow "${name}" — use one of: ${Object.keys(WORKFLOW_INPUT_SCHEMAS).join(', ')}`,
        );
      process.stdout.write(
        `${JSON.stringify(workflowInputJsonSchema(name as keyof typeof WORKFLOW_INPUT_SCHEMAS), null, 2)}\n`,
      );
    });
}
