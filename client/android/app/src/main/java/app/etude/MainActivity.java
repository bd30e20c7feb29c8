package app.etude;

import com.getcapacitor.BridgeActivity;

public class MainActivity extends BridgeActivity {}
