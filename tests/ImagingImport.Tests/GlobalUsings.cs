// The namespaces most files of this project use, once (as eShop's services do).
global using System.Net;
global using Imaging.TestSupport;
global using Microsoft.Extensions.DependencyInjection;
