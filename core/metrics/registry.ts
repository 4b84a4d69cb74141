/**
 * A minimal Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format (version 0.0.4). Platform-free, so every target exposes the same metrics.
 * Single-threaded use only (one JS event loop); label values are escaped on render.
 */
type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
  buckets?: number[];
  sum?: number;
}

/** A node of a metric's label trie: by label name, then by value; a series where a label set ends. */
interface LabelNode {
  next?: Map<string, Map<string, LabelNode>>;
  series?: Series;
}

abstract class Metric {
  /** Series in creation order, for rendering. */
  protected readonly series: Series[] = [];
  /**
   * Series by their labels, names and values in the labels' order: a few Map lookups of strings
   * that already exist, where a JSON.stringify key per observation (several per request) showed
   * as 5% of the request path.
   */
  private readonly root: LabelNode = {};

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}

  protected at(labels: Labels): Series {
    let node = this.root;
    for (const name in labels) {
      node.next ??= new Map();
      let byValue = node.next.get(name);
      if (!byValue) node.next.set(name, (byValue = new Map()));
      const value = labels[name];
      let child = byValue.get(value);
      if (!child) byValue.set(value, (child = {}));
      node = child;
    }
    if (!node.series) this.series.push((node.series = { labels, value: 0 }));
    return node.series;
  }

  /** The series of exactly these labels, if observed. */
  protected find(labels: Labels): Series | undefined {
    let node: LabelNode | undefined = this.root;
    for (const name in labels) node = node?.next?.get(name)?.get(labels[name]);
    return node?.series;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.series) lines.push(...this.renderSeries(s));
    return lines.join('\n');
  }

  protected renderSeries(s: Series): string[] {
    return [`${this.name}${labelText(s.labels)} ${s.value}`];
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    this.at(labels).value += by;
  }
  get(labels: Labels = {}): number {
    return this.find(labels)?.value ?? 0;
  }
}

export class Gauge extends Metric {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, value: number): void {
    this.at(labels).value = value;
  }
}

export class Histogram extends Metric {
  constructor(
    name: string,
    help: string,
    readonly bounds: number[],
  ) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, value: number): void {
    const s = this.at(labels);
    s.buckets ??= new Array(this.bounds.length).fill(0);
    s.sum = (s.sum ?? 0) + value;
    s.value += 1;
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]) s.buckets[i] += 1;
  }
  protected override renderSeries(s: Series): string[] {
    const lines = this.bounds.map(
      (b, i) => `${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.buckets?.[i] ?? 0}`,
    );
    lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.value}`);
    lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum ?? 0}`);
    lines.push(`${this.name}_count${labelText(s.labels)} ${s.value}`);
    return lines;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, bounds: number[]): Histogram {
    return this.add(new Histogram(name, help, bounds));
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('\n') + '\n';
  }
  private add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
