[assembly: AssemblyFixture(typeof(Imaging.TestSupport.TestServers))]
