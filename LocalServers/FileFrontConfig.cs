using System.Globalization;
using System.Text;

namespace Imaging.LocalServers;

/// <summary>
/// The nginx configuration of ResultsApi's file front (docs/decisions/0020-nginx-front-for-file-bytes.md): every request
/// goes to ResultsApi marked with X-Sendfile-Type, and an authorised file GET comes back as X-Accel-Redirect to the
/// internal location on the storage root, from which nginx sends the bytes. The app host's resource, its published
/// container and the tests all write it from here.
/// </summary>
public sealed record FileFrontConfig
{
    /// <summary>nginx's own answer, for health checks: the front runs, whatever ResultsApi's state.</summary>
    public const string HealthPath = "/_front/health";

    /// <summary>What nginx listens on: "127.0.0.1:20123" or "8080".</summary>
    public required string Listen { get; init; }

    /// <summary>ResultsApi's host:port.</summary>
    public required string Upstream { get; init; }

    /// <summary>ResultsApi's Storage:Root as this nginx sees it (the same folder or volume).</summary>
    public required string StorageRoot { get; init; }

    /// <summary>ResultsApi's FileFront:InternalPrefix.</summary>
    public string InternalPrefix { get; init; } = "/_files/";

    /// <summary>nginx's pid file and temporary folders; null keeps nginx's defaults (as in its container image).</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>The user nginx's workers run as; only a master started as root can switch.</summary>
    public string? User { get; init; }

    public int WorkerProcesses { get; init; } = Math.Min(Environment.ProcessorCount, 4);

    public string Render()
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        if (User is { } user)
        {
            Line($"user {user};");
        }

        Line("daemon off;");
        Line($"worker_processes {WorkerProcesses.ToString(CultureInfo.InvariantCulture)};");
        Line("error_log stderr warn;");
        if (WorkDirectory is { } work)
        {
            Line($"pid {work}/nginx.pid;");
        }

        Line("events { worker_connections 1024; }");
        Line("http {");
        Line("    access_log off;");
        Line("    server_tokens off;");
        Line("    sendfile on;");
        Line("    tcp_nopush on;");
        if (WorkDirectory is { } temp)
        {
            foreach (var kind in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
            {
                Line($"    {kind}_temp_path {temp}/{kind};");
            }
        }

        // ResultsApi sets its own limits on uploads and refuses what is too large; nginx streams them to it as they come.
        Line("    client_max_body_size 0;");
        Line($"    upstream resultsapi {{ server {Upstream}; keepalive 32; }}");
        Line("    server {");
        Line($"        listen {Listen};");
        Line($"        location = {HealthPath} {{ default_type text/plain; return 200 \"ok\\n\"; }}");
        Line("        location / {");
        Line("            proxy_pass http://resultsapi;");
        Line("            proxy_http_version 1.1;");
        Line("            proxy_set_header Connection \"\";");
        Line("            proxy_set_header Host $http_host;");
        Line("            proxy_set_header X-Forwarded-For $remote_addr;");
        // The mark that this request came through the front: only then does ResultsApi answer with X-Accel-Redirect.
        Line("            proxy_set_header X-Sendfile-Type X-Accel-Redirect;");
        Line("            proxy_request_buffering off;");
        Line("            proxy_buffering off;");
        // The longest wait ResultsApi holds a request for (series results waiting for their analysis) stays inside this.
        Line("            proxy_read_timeout 300s;");
        Line("        }");
        Line($"        location {InternalPrefix} {{");
        Line("            internal;");
        Line($"            alias {StorageRoot.TrimEnd('/')}/;");
        Line("            default_type application/dicom;");
        // nginx drops the upstream's other headers on an internal redirect: the ones ResultsApi sets on every answer.
        Line("            add_header X-Content-Type-Options nosniff always;");
        Line("            add_header X-Frame-Options DENY always;");
        Line("            add_header Referrer-Policy no-referrer always;");
        Line("            add_header Content-Security-Policy \"default-src 'none'; frame-ancestors 'none'\" always;");
        Line("            add_header Cross-Origin-Resource-Policy same-origin always;");
        Line("        }");
        Line("    }");
        Line("}");
        return text.ToString();
    }
}
