import { Command } from 'commander';
import { DEFAULT_CONTROLLER_NAME } from '@kube-vip-gw/controller';

/** Builds the kvgw command tree. */
export function buildProgram(): Command {
  return new Command('kvgw').description(`kube-vip Gateway API tools (controller ${DEFAULT_CONTROLLER_NAME})`);
}
