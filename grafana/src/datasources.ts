// The provisioned datasources (grafana/provisioning/datasources/datasources.yaml), referenced by UID
// only: a dashboard never names a datasource, so renaming one cannot break a panel.
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'cb-prometheus' };
export const LOKI: DataSourceRef = { type: 'loki', uid: 'cb-loki' };
export const JAEGER: DataSourceRef = { type: 'jaeger', uid: 'cb-jaeger' };
