// Starts Blazor (App.razor loads blazor.web.js with autostart="false") with a reconnection schedule for stations on
// warehouse Wi-Fi. Blazor's own schedule tries ten times at once, then ten times 5 s apart, then ten times 30 s apart,
// and gives up after about six minutes: in the long-shift soak pass (2026-12-07) a station whose link had been down a
// minute sat on "Rejoining the server..." for up to 30 s after the network was back, and one down longer stops trying
// until someone clicks Retry. Here the first ten tries are as quick, then one every 3 s for an hour: the station is
// back within 3 s of its link. A try costs the server one refused or answered request. Once the server no longer holds
// the circuit (a restart, or minutes away), Blazor's answer is a reload, and the station brings the unsaved item back
// from its draft (station.js).
const quickTries = 10;
const retryEveryMs = 3000;

Blazor.start({
  circuit: {
    reconnectionOptions: {
      maxRetries: quickTries + 3600_000 / retryEveryMs,
      retryIntervalMilliseconds: (previousAttempts) => (previousAttempts < quickTries ? 0 : retryEveryMs),
    },
  },
});
