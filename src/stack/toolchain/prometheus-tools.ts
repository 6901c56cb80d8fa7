// The Prometheus the metrics tests scrape a live run with, and promtool that
// checks the shipped alert rules: Debian's `prometheus` package (apt-tools.ts).
// peakdrill itself needs neither to serve metrics; a game day brings its own.
import { type AptTool, findAptTool } from './apt-tools.ts';

export const PROMETHEUS_TOOL: AptTool = {
  name: 'prometheus',
  aptPackage: 'prometheus',
  path: '/usr/bin/prometheus',
  versionArgs: ['--version'],
  versionPattern: /prometheus, version (\S+)/,
  purpose: 'for the live metrics tests',
};

export const PROMTOOL_TOOL: AptTool = {
  name: 'promtool',
  aptPackage: 'prometheus',
  path: '/usr/bin/promtool',
  versionArgs: ['--version'],
  versionPattern: /promtool, version (\S+)/,
  purpose: 'for checking the shipped alert rules',
};

export const findPrometheus = () => findAptTool(PROMETHEUS_TOOL);
export const findPromtool = () => findAptTool(PROMTOOL_TOOL);
