/** The hub's services, built once per process; REST routes and socket handlers both call them. */
import type { Deps } from '../deps.js';
import { AccessService } from './access.js';
import { CatalogService } from './catalog.js';
import { DashboardService } from './dashboard.js';
import { InventoryService } from './inventory.js';
import { RegisterService } from './registers.js';
import { SalesService } from './sales.js';

export interface Services {
  access: AccessService;
  catalog: CatalogService;
  inventory: InventoryService;
  sales: SalesService;
  registers: RegisterService;
  dashboard: DashboardService;
}

export function createServices(deps: Deps): Services {
  return {
    access: new AccessService(deps),
    catalog: new CatalogService(deps),
    inventory: new InventoryService(deps),
    sales: new SalesService(deps),
    registers: new RegisterService(deps),
    dashboard: new DashboardService(deps),
  };
}
