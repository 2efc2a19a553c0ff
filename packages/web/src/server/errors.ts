// Every error the dashboard server answers with, in the Pithead envelope.

import { defineErrors } from "@pithead/http";

export const dashboardErrors = defineErrors({
  UNKNOWN_SERVICE: { status: 404, message: "No such service behind this dashboard" },
  SERVICE_NOT_CONFIGURED: { status: 404, message: "This dashboard was started without that service" },
  UPSTREAM_UNAVAILABLE: { status: 502, message: "The service is not answering" },
  UPSTREAM_TIMEOUT: { status: 504, message: "The service did not answer in time" },
  PAGE_NOT_PROXIED: {
    status: 403,
    message: "A service's pages are not shown through the dashboard: open them at the service's own address",
  },
  NO_LOGIN_CODE: { status: 404, message: "This dashboard has no login code: enter your keys on the Connections page" },
  LOGIN_CODE_WRONG: {
    status: 401,
    message:
      "That is not this dashboard's login code. Use the code pithead up printed when it last started, also saved in the file login-code in its data directory: every start makes a new one",
  },
  CROSS_ORIGIN: { status: 403, message: "Cross-origin requests are refused" },
  ASSET_NOT_FOUND: { status: 404, message: "No such file in the dashboard build" },
});
