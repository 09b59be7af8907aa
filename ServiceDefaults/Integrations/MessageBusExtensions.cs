using MassTransit;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The MassTransit bus on RabbitMQ by connection name (an AMQP URI, Aspire's format; its path is the virtual host), with
/// plain JSON message bodies.
/// </summary>
public static class MessageBusExtensions
{
    public static IHostApplicationBuilder AddMessageBus(this IHostApplicationBuilder builder, string connectionName,
        Action<IBusRegistrationConfigurator>? configure = null, Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
    {
        var uri = new Uri(ConnectionStrings.Require(builder.Configuration, connectionName));
        if (uri.Scheme is not ("amqp" or "amqps"))
        {
            throw new InvalidOperationException($"Connection string '{connectionName}' must be an amqp:// or amqps:// URI, not {uri.Scheme}://.");
        }

        var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        var password = uri.UserInfo.Contains(':') ? Uri.UnescapeDataString(uri.UserInfo[(uri.UserInfo.IndexOf(':') + 1)..]) : "";
        var virtualHost = uri.AbsolutePath.Trim('/') is { Length: > 0 } path ? Uri.UnescapeDataString(path) : "/";
        var port = uri.IsDefaultPort ? (uri.Scheme == "amqps" ? 5671 : 5672) : uri.Port;

        builder.Services.AddMassTransit(bus =>
        {
            configure?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(uri.Host, (ushort)port, virtualHost, host =>
                {
                    if (user.Length > 0)
                    {
                        host.Username(user);
                        host.Password(password);
                    }

                    if (uri.Scheme == "amqps")
                    {
                        host.UseSsl(ssl => ssl.ServerName = uri.Host);
                    }
                });
                // Plain JSON bodies (application/json, no MassTransit envelope; message id, trace context and fault details
                // in the AMQP headers), so services in any language can publish and consume, such as the workflow
                // manager seed's RecoJob {"record_id", "input"}. Envelope messages still in queues are still read.
                rabbit.UseRawJsonSerializer(RawSerializerOptions.AnyMessageType | RawSerializerOptions.AddTransportHeaders | RawSerializerOptions.CopyHeaders,
                    isDefault: true);
                rabbit.ConfigureJsonSerializerOptions(json =>
                {
                    json.WriteIndented = false;
                    return json;
                });
                configureBus?.Invoke(context, rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
