namespace AppHost.Hosting;

/// <summary>A failure the app host explains to a person: the message says what is wrong and what to do.</summary>
public sealed class DistributedApplicationException(string message, Exception? inner = null) : Exception(message, inner);
