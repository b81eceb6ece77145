/**
 * Reads a generated `AWS::CloudWatch::Dashboard` the way CloudFormation and CloudWatch will: the
 * `Fn::Join` of `DashboardBody` with each reference replaced by a value, parsed as JSON, and its
 * metrics as lists of `{ namespace, name, dimensions, options }`.
 */

export interface DashboardMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  options: Record<string, unknown>;
}

export interface DashboardWidget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title: string; region: string; metrics: unknown[][] };
}

/**
 * The body's text after substitution: `value` gives the text of each `Ref` or `Fn::GetAtt` (the
 * only intrinsics the body may hold; anything else throws).
 */
export function bodyText(body: unknown, value: (intrinsic: { Ref: string } | { 'Fn::GetAtt': [string, string] }) => string): string {
  const join = (body as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join || join[0] !== '') throw new Error(`DashboardBody is not an Fn::Join with '': ${JSON.stringify(body).slice(0, 200)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const o = part as Record<string, unknown>;
      if (typeof o.Ref === 'string' || Array.isArray(o['Fn::GetAtt'])) return value(o as { Ref: string });
      throw new Error(`unexpected part of DashboardBody: ${JSON.stringify(part)}`);
    })
    .join('');
}

/** The widgets of a body text. */
export function widgetsOf(text: string): DashboardWidget[] {
  return (JSON.parse(text) as { widgets: DashboardWidget[] }).widgets;
}

/** A widget's metric arrays as records: `[namespace, name, (dimension name, value)*, options?]`. */
export function metricsOf(w: DashboardWidget): DashboardMetric[] {
  return w.properties.metrics.map((m) => {
    const last = m[m.length - 1];
    const options = typeof last === 'object' && last !== null ? (last as Record<string, unknown>) : {};
    const plain = m.filter((x): x is string => typeof x === 'string');
    if (plain.length !== m.length - (options === last ? 1 : 0) || plain.length < 2 || plain.length % 2 !== 0) throw new Error(`malformed metric ${JSON.stringify(m)}`);
    const dimensions: Record<string, string> = {};
    for (let i = 2; i < plain.length; i += 2) dimensions[plain[i]!] = plain[i + 1]!;
    return { namespace: plain[0]!, name: plain[1]!, dimensions, options };
  });
}
