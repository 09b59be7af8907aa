// Nothing to run: the tests build their models with DistributedApplicationTestingBuilder.Create().
DistributedApplication.CreateBuilder(args).Build().Run();
