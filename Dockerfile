# Returns.Grader web app. Multi-stage: build with the SDK, run on the ASP.NET runtime as a non-root user.
# NOTE: no Docker engine exists on the machines this was developed on, so the image itself has not been built here.
# Its steps are: ./test.sh runs tests/container/emulate_dockerfile.py, which reads this file, carries out the build
# stage's COPY/RUN lines in a staging folder (the restore from project files alone included), starts the published app
# from its folder as a non-root user with the runtime stage's ENV, and checks the station and _framework/blazor.web.js.
#
#   docker build -t returns-grader .
#   docker run -p 8080:8080 -v grader-data:/data \
#     -e AzureAd__TenantId=... -e AzureAd__ClientId=... -e AzureAd__ClientSecret=... returns-grader
#
# Outside Development the app only starts with Entra ID settings (AzureAd section); see README "Configuration".

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Returns.Grader.Vision/Returns.Grader.Vision.csproj src/Returns.Grader.Vision/
COPY src/Returns.Grader.Web/Returns.Grader.Web.csproj src/Returns.Grader.Web/
RUN dotnet restore src/Returns.Grader.Web/Returns.Grader.Web.csproj -r linux-x64
COPY src/ src/
COPY wwwroot-assets/ wwwroot-assets/
COPY models/ models/
# Native files this Linux web app never loads leave the image: the Windows ONNX Runtime (17 MB) and the MSAL desktop
# broker (38 MB; a web app signs in through the browser, not a broker).
RUN dotnet publish src/Returns.Grader.Web/Returns.Grader.Web.csproj -c Release -r linux-x64 --self-contained false \
      --no-restore -o /app \
 && rm -f /app/onnxruntime.dll /app/libmsalruntime.so

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The data directory (SQLite database for a single-node install, photo folder) lives on a volume owned by the app user.
RUN mkdir -p /data && chown app:app /data
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Grader__DataDirectory=/data \
    DOTNET_gcServer=1
VOLUME ["/data"]
EXPOSE 8080
USER app
# No HEALTHCHECK: the runtime image has no curl. Point the orchestrator's probes at /healthz (liveness) and /readyz (readiness).
ENTRYPOINT ["dotnet", "Returns.Grader.Web.dll"]
