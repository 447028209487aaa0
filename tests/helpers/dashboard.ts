/**
 * The parts of a CloudWatch dashboard body the tests read (AWS, "Dashboard body structure and
 * syntax": each widget has a type, a position and size on the 24-column grid, and properties).
 */
export interface WidgetProperties {
    title?: string;
    region?: string;
    view?: string;
    period?: number;
    stat?: string;
    /** Metric widgets: one array per line, `[namespace, metric, dimension, value, ..., options]`. */
    metrics?: unknown[][];
    /** Alarm widgets: the ARNs of the alarms shown. */
    alarms?: string[];
    annotations?: { horizontal?: { value: number; label?: string }[] };
    markdown?: string;
}

export interface Widget {
    type: string;
    x: number;
    y: number;
    width: number;
    height: number;
    properties: WidgetProperties;
}

export interface DashboardBody {
    widgets: Widget[];
}
